"""The housing sub-group's work: its members and meetings (:mod:`.meetings`), the register of official
correspondence (:mod:`.official_mail`), the search for new partners (:mod:`.prospects`) and its workspace
(:mod:`.workspace`). Its members read and write there under the policy's ``VIEW_SUBGROUP`` and ``RECORD_SUBGROUP``;
no decision on a person is taken there.
"""
