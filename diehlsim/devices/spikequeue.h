// diehlsim's spike queue for cpp_standalone: Brian2's CSpikeQueue (brian2/synapses/
// spikequeue.h, same interface and same queue contents), with one change in how a spike
// of a pathway with heterogeneous delays is pushed.
//
// Brian2 pushes such a spike synapse by synapse: a delay lookup, a modulo and a push_back
// into one of the delay slots for every synapse. Here prepare() sorts each source
// neuron's synapses by delay once per run, keeping their order within a delay (a stable
// counting sort), and push() appends each (neuron, delay) run of synapses to its slot as
// one block. A slot therefore receives the same synapse indices in the same order as with
// Brian2's queue, so the event code sums the same numbers in the same order and the
// simulation is bit-identical (tests/test_spike_queue.py). Pathways with one delay take
// Brian2's own path unchanged. docs/performance.md says what it is worth.
#ifndef C_SPIKEQUEUE_H
#define C_SPIKEQUEUE_H
#include<iostream>
#include<vector>
#include<map>
#include<iterator>
#include<algorithm>
#include"stdint_compat.h"
#include<assert.h>
using namespace std;

class CSpikeQueue
{
public:
    vector< vector<int32_t> > queue; // queue[(offset+i)%queue.size()] is delay i relative to current time
    double dt;
    int offset;
    bool scalar_delay;
    int *delays;
    int32_t source_start;
    int32_t source_end;
    int openmp_padding;
    vector< vector<int> > synapses;  // per source neuron, for one delay (Brian2's layout)
    // Heterogeneous delays: the synapses of every source neuron grouped by delay.
    // Neuron n's runs are run_delay/run_begin[neuron_runs[n] .. neuron_runs[n+1]); run r
    // holds sorted_synapses[run_begin[r] .. run_begin[r+1]).
    vector<int32_t> sorted_synapses;
    vector<int32_t> run_delay;
    vector<int32_t> run_begin;
    vector<int32_t> neuron_runs;

    CSpikeQueue(int _source_start, int _source_end)
        : source_start(_source_start), source_end(_source_end)
    {
        queue.resize(1);
        offset = 0;
        dt = 0.0;
        delays = NULL;
        openmp_padding = 0;
        scalar_delay = 0;
    };

    ~CSpikeQueue()
    {
        if (delays)
        {
            delete[] delays;
            delays = NULL;
        }
    }

    template <typename scalar> void prepare(scalar *real_delays, int n_delays,
                 int32_t *sources, int n_synapses,
                 double _dt)
    {
        assert(n_delays == 1 || n_delays == n_synapses);

        if (delays)
            delete [] delays;

        if (dt != 0.0 && dt != _dt)
        {
            // dt changed: re-insert the queued spikes at their new positions (as Brian2)
            vector< vector<int32_t> > queue_copy = queue;
            const double conversion_factor = dt / _dt;
            const size_t oldsize = queue.size();
            const size_t newsize = (int)(oldsize * conversion_factor) + 1;
            queue.clear();
            queue.resize(newsize);
            for (size_t i=0; i<oldsize; i++)
            {
                vector<int32_t> spikes = queue_copy[(i + offset) % oldsize];
                queue[(int)(i * conversion_factor + 0.5)] = spikes;
            }
            offset = 0;
        }

        delays = new int[n_delays];
        synapses.clear();
        synapses.resize(source_end - source_start);

        scalar first_delay = n_delays > 0 ? real_delays[0] : 0.0;
        int min_delay = (int)(first_delay / _dt + 0.5);
        int max_delay = min_delay;
        for (int i=0; i<n_delays; i++)
        {
            delays[i] =  (int)(real_delays[i] / _dt + 0.5);  // round to the nearest step
            if (delays[i] > max_delay)
                max_delay = delays[i];
            else if (delays[i] < min_delay)
                min_delay = delays[i];
        }
        for (int i=0; i<n_synapses; i++)
            synapses[sources[i] - source_start].push_back(i + openmp_padding);

        dt = _dt;
        ensure_delay(max_delay);
        scalar_delay = (min_delay == max_delay);
        if (!scalar_delay)
            group_by_delay(min_delay, max_delay);
    }

    // Fill the run tables from `synapses` and `delays`; `synapses` is then released, since
    // only the one-delay path reads it.
    void group_by_delay(int min_delay, int max_delay)
    {
        const int n_neurons = (int)synapses.size();
        const int n_steps = max_delay - min_delay + 1;
        vector<int32_t> count(n_steps);
        size_t n_total = 0;
        for (int n=0; n<n_neurons; n++)
            n_total += synapses[n].size();
        sorted_synapses.assign(n_total, 0);
        run_delay.clear();
        run_begin.clear();
        neuron_runs.assign(n_neurons + 1, 0);
        size_t position = 0;
        const int * __restrict local_delays = delays - openmp_padding;
        for (int n=0; n<n_neurons; n++)
        {
            neuron_runs[n] = (int32_t)run_delay.size();
            const vector<int> &own = synapses[n];
            fill(count.begin(), count.end(), 0);
            for (size_t k=0; k<own.size(); k++)
                count[local_delays[own[k]] - min_delay]++;
            // each delay's first position in sorted order, and one run per delay in use
            size_t start = position;
            for (int d=0; d<n_steps; d++)
            {
                const int32_t in_run = count[d];
                if (in_run == 0)
                    continue;
                run_delay.push_back(d + min_delay);
                run_begin.push_back((int32_t)start);
                count[d] = (int32_t)start;  // from here on: the next free position
                start += in_run;
            }
            for (size_t k=0; k<own.size(); k++)
                sorted_synapses[count[local_delays[own[k]] - min_delay]++] = own[k];
            position = start;
        }
        neuron_runs[n_neurons] = (int32_t)run_delay.size();
        run_begin.push_back((int32_t)position);
        vector< vector<int> >().swap(synapses);
    }

    pair <int, vector< vector<int32_t> > > _full_state() const
    {
        pair <int, vector< vector<int32_t> > > state(offset, queue);
        return state;
    }

    void _clear()
    {
    }

    void _restore_from_full_state(const pair <int, vector< vector<int32_t> > > state)
    {
        int stored_offset = state.first;
        vector< vector<int32_t> > stored_queue = state.second;
        size_t size = stored_queue.size();
        queue.clear();
        if (size == 0)  // the queue did not exist at the time of the store call
            size = 1;
        queue.resize(size);
        for (size_t i=0; i<stored_queue.size(); i++)
            queue[i] = stored_queue[i];
        offset = stored_offset;
    }

    void expand(size_t newsize)
    {
        const size_t n = queue.size();
        if (newsize <= n)
            return;
        // rotate offset back to start (leaves the circular structure unchanged)
        rotate(queue.begin(), queue.begin()+offset, queue.end());
        offset = 0;
        queue.resize(newsize);
    };

    inline void ensure_delay(int delay)
    {
        if(delay >= (int)queue.size())
        {
            expand(delay+1);
        }
    };

    void push(int32_t *spikes, int nspikes)
    {
        if(nspikes==0) return;
        const int start = static_cast<int>(distance(spikes, lower_bound(spikes, spikes+nspikes, source_start)));
        const int stop = static_cast<int>(distance(spikes, upper_bound(spikes, spikes+nspikes, source_end-1)));
        const int32_t * __restrict rspikes = spikes;
        if(scalar_delay)
            push_one_delay(rspikes, start, stop);
        else
            push_runs(rspikes, start, stop);
    };

    void push_one_delay(const int32_t * __restrict rspikes, int start, int stop)
    {
        vector<int32_t> &homog_queue = queue[(offset+delays[0])%queue.size()];
        for(int idx_spike=start; idx_spike<stop; idx_spike++)
        {
            const vector<int> &own = synapses[rspikes[idx_spike] - source_start];
            homog_queue.insert(homog_queue.end(), own.begin(), own.end());
        }
    }

    void push_runs(const int32_t * __restrict rspikes, int start, int stop)
    {
        const size_t n_slots = queue.size();
        const int32_t * __restrict sorted = sorted_synapses.data();
        for(int idx_spike=start; idx_spike<stop; idx_spike++)
        {
            const int idx_neuron = rspikes[idx_spike] - source_start;
            for(int32_t r=neuron_runs[idx_neuron]; r<neuron_runs[idx_neuron+1]; r++)
            {
                vector<int32_t> &slot = queue[(offset + run_delay[r]) % n_slots];
                slot.insert(slot.end(), sorted + run_begin[r], sorted + run_begin[r+1]);
            }
        }
    }

    inline vector<int32_t>* peek()
    {
        return &queue[offset];
    };

    void advance()
    {
        // clear() keeps the slot's memory for the next use
        queue[offset].clear();
        offset = (offset+1)%queue.size();
    };
};

extern ostream& operator<<(ostream& os, const CSpikeQueue& queue);
extern istream& operator>>(istream& is, CSpikeQueue& queue);
#endif
