"""Sign-in, sign-out, password reset, invitations and first-run setup."""
