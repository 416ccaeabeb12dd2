"""Repository: deployed definitions (BPMN, DMN, forms) and the matter catalogue."""
from .service import RepositoryService

__all__ = ["RepositoryService"]
