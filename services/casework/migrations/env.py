from shared.migrations.env import run

run()
