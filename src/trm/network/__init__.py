"""The network of national anti-trafficking coordinators: directory, meetings, follow-up."""
