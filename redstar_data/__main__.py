from redstar_data.cli.app import main

main()
