import sys

from pyg_weightshare.cli import main

sys.exit(main())
