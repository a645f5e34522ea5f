"""Test doubles shared by the SDK unit tests."""
import json

import httpx


class Recorder:
    """A MockTransport handler answering from a list of responses (the last one repeats)."""

    def __init__(self, *responses):
        self.responses = list(responses) or [httpx.Response(201, json={"status": "created", "id": 1})]
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        r = self.responses[min(len(self.requests) - 1, len(self.responses) - 1)]
        if isinstance(r, Exception):
            raise r
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)  # a response is read once

    def bodies(self):
        return [json.loads(r.content) for r in self.requests]
