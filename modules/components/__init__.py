"""The lab's Pulumi components, each with narrow Args: Swarm, SwarmNetworks, SwarmServices,
SingleHostDemos, Links (the stack's netem), and the LabReadiness gate that ends every
`pulumi up`."""
