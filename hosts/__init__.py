"""The one-box hosts: network namespaces with a real dockerd and sshd each.

`python -m hosts up|down|status|doctor` builds, removes, shows and checks
the lab's hosts. Everything the lab creates lives in the lab directory
(`<repo>/.lab/`, or `$SWARMLAB_LAB_DIR`), in network namespaces named after
the hosts, and on the bridge `swl-br0` in the root namespace.
"""
