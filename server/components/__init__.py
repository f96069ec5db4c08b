"""One Solara component per view of the app; each reads only the model's three tables."""
