// BSM: OpenBSM audit-record codec. Pure Swift, standard library only.
