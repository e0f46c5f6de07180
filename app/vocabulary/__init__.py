"""The codebook's vocabularies: roles, statuses, stances, condition types, basis, certainty."""
