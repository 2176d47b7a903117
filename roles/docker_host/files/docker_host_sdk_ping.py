# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the Docker daemon for its version through the Docker SDK for Python (as community.docker's
SDK-based code does), honouring DOCKER_HOST like docker.from_env(). One line on stderr when it fails."""
from __future__ import absolute_import, division, print_function

import sys

try:
    import docker
except ImportError as exc:
    sys.stderr.write("No module named docker (python3-docker): %s\n" % exc)
    sys.exit(2)

try:
    print(docker.from_env().version()["Version"])
except Exception as exc:  # pylint: disable=broad-except
    text = str(exc)
    sys.stderr.write("%s: %s\n" % (type(exc).__name__, text[:300]))
    sys.exit(1)
