from fgkit.cli import main

main()
