"""CEGAH DINI: child-marriage prevention sessions — Bimwin at the KUA and MPLS at junior
secondary schools with the health module — their coverage per school year, and the desa's
child-marriage flags before and after."""
