from telbill.cli import entry

entry()
