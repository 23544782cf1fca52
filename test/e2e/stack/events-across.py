"""Scenario "events across replicas": an event emitted into one API replica reaches a subscriber of another.

argv: <subscriber API URL> <emitter API URL> (each a port-forward to one API pod). The API replicas share events
only through Redis (prefect-redis messaging); without it each replica would see only its own events. Exit 0 iff
the event, with its unique resource id, arrives within 30 s.
"""
import asyncio
import sys
import uuid

from prefect.events import Event
from prefect.events.clients import PrefectEventsClient, PrefectEventSubscriber
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter


async def main(sub_url: str, emit_url: str) -> int:
    rid = f"e2e.replica.{uuid.uuid4().hex[:10]}"
    flt = EventFilter(event=EventNameFilter(name=["e2e.cross-replica"]), resource=EventResourceFilter(id=[rid]))
    async with PrefectEventSubscriber(api_url=sub_url, filter=flt, reconnection_attempts=2) as sub:
        await asyncio.sleep(1)  # the subscription is registered
        async with PrefectEventsClient(api_url=emit_url) as client:
            await client.emit(Event(event="e2e.cross-replica", resource={"prefect.resource.id": rid}))
        print(f"emitted {rid} via {emit_url}", flush=True)

        async def first():
            async for event in sub:
                if event.resource.id == rid:
                    return event
        try:
            event = await asyncio.wait_for(first(), timeout=30)
        except asyncio.TimeoutError:
            print(f"FAIL: {rid} did not reach the subscriber on {sub_url} within 30 s")
            return 1
        print(f"received {event.event} {event.resource.id} via {sub_url}")
        return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
