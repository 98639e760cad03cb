"""Courses kept on the trainee's device: the service worker, the web app's manifest, the list of what to keep,
the offline page, and the lesson views read offline and sent later (docs/architecture.md, "Offline")."""
