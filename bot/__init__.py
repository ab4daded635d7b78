"""Telegram assistant for the industrial clusters of Russia's chemical complex."""
