from telbill.cli import main

raise SystemExit(main())
