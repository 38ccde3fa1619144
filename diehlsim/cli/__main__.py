from diehlsim.cli import main

raise SystemExit(main())
