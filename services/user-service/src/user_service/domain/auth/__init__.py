"""Authentication: credentials, access and refresh tokens, signing keys, password reset."""

from user_service.domain.auth._runtime import Identity
from user_service.domain.auth.controllers import AuthController
from user_service.domain.auth.services import AuthService

__all__ = ["AuthController", "AuthService", "Identity"]
