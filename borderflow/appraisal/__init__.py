"""Investment appraisal as lenders do it: NPV, EIRR, BCR and payback of proposed and upgraded
crossings, with bands from the uncertainty samples (issue 19). See docs/uncertainty.md."""
