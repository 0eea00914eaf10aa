"""Our singly linked list, its own stable sort, and lists kept sorted as they change."""
