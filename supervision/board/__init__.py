"""The leader's board: beside the cases listed for supervision (``supervision.urging``), the enterprises the
leader serves (包联) and the key projects whose task force (专班) they head or sit on."""
