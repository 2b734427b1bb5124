"""Stand-in for pip's get-pip.py bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from a host the project's machines cannot reach. Python ships pip
through `ensurepip`, and PyPI is reachable, so bootstrap from there and then install the exact
packages ansible-test asked for (pip==X.Y and friends).
"""
import subprocess
import sys

# get-pip.py's own options, which `pip install` does not know.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}

# In a child process: ensurepip.bootstrap() in this one would set PIP_CONFIG_FILE=/dev/null
# for everything after it, and the machine's pip configuration (its CA bundle) would be lost.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_OPTIONS])
