"""Repository: deployed definitions (BPMN, DMN, forms) and the matter catalogue."""
