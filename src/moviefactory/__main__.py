from moviefactory.cli import main

raise SystemExit(main())
