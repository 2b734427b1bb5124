"""novavol: the nova-volume command line (volume-create, volume-list, ...) for the
novavolume.lvm_iscsi collection, running the collection's modules and playbooks through
ansible-runner."""

__version__ = "0.1.0"
