"""Docker on a lab host: the only place docker command lines (and Engine API requests) are
built. One module per kind of object, each taking typed settings, every value quoted, and
`--` before the image wherever one meets a command line, so no value becomes a flag.

The commands are the seed's own (`docker network create -d overlay myoverlay`), so what
`pulumi up` does on a host is what a learner types; secrets (join tokens, the unlock key)
go to the daemon in a request body on stdin, never on a command line.
"""
