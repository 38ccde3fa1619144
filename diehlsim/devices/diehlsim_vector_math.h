// Included by every C++ standalone code object of a diehlsim network (prefs.codegen.cpp.headers).
//
// Brian2 compiles with -ffast-math -fno-finite-math-only. The second flag leaves __FAST_MATH__
// undefined, so glibc does not declare its vector math (libmvec) variants and GCC cannot
// vectorise a loop that calls exp(): the membrane update of exponential Euler calls it once
// per neuron and step. Declaring the vector variant here lets the state updaters run 4 neurons
// per AVX2 instruction. libmvec's exp may differ from the scalar one in the last bits.
#ifndef DIEHLSIM_VECTOR_MATH_H
#define DIEHLSIM_VECTOR_MATH_H
#include <cmath>
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#if __GLIBC_PREREQ(2, 22)
extern "C" double exp(double) throw() __attribute__((simd("notinbranch")));
#endif
#endif
#endif
