from hosts.cli import main

raise SystemExit(main())
