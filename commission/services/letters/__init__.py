"""What the commission writes to people outside the office: the council's letterhead (:mod:`.profile`), the texts
of the letters the coordinator edits (:mod:`.texts`), the letters written at each outcome (:mod:`.writing`), the
register of outgoing mail, the print runs and the e-mails to partners (:mod:`.register`)."""
