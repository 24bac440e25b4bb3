"""``python -m bot.console``: serve the console (demo page and widget files)."""

from bot.console.app import main

if __name__ == "__main__":
    main()
