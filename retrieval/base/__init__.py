"""What every part of cited shares: its errors, its settings, the checks of their values, file hashing."""
