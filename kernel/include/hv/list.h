/* SPDX-License-Identifier: MIT */
/*
 * Intrusive doubly linked circular lists. Pure data structure with no
 * hardware dependency: used by sched/ in the hypervisor and on the host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct list_node {
    struct list_node *next;
    struct list_node *prev;
};

#define LIST_INIT(name)                                                        \
    {                                                                          \
        &(name), &(name)                                                       \
    }

static inline void list_init(struct list_node *head)
{
    head->next = head;
    head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
    return head->next == head;
}

static inline void list_insert_before(struct list_node *pos,
                                      struct list_node *n)
{
    n->prev = pos->prev;
    n->next = pos;
    pos->prev->next = n;
    pos->prev = n;
}

static inline void list_append(struct list_node *head, struct list_node *n)
{
    list_insert_before(head, n);
}

static inline void list_prepend(struct list_node *head, struct list_node *n)
{
    list_insert_before(head->next, n);
}

static inline void list_remove(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n;
    n->prev = n;
}

/* True when n is linked into some list (nodes are self-linked when not). */
static inline bool list_linked(const struct list_node *n)
{
    return n->next != n;
}

#define list_entry(ptr, type, member)                                          \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define list_for_each(pos, head)                                               \
    for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
