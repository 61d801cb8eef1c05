"""Accounts: users, their roles and addresses."""

from user_service.domain.accounts.controllers import UserController
from user_service.domain.accounts.services import AddressService, UserService

__all__ = ["AddressService", "UserController", "UserService"]
