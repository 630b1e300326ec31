package dev.couponsd.client.wire;

import java.util.List;

/** EVENTS_SUBSCRIBE's reply: events and the cursor to ask from next. */
public record EventBatch(
        List<Event> events,
        long next) {}
