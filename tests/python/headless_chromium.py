"""Open a page in headless Chromium over the DevTools protocol, with the standard library only.

`open_page(chromium, url)` starts a throw-away Chromium (its own temporary profile, no network
services, no sandbox as the tests run as root), loads the page and returns what a test needs: the
rendered text and DOM, every console error, uncaught exception and log error, every URL the page
requested, and a full-page PNG screenshot. The DevTools protocol runs over a WebSocket, written
here in a few lines (RFC 6455 client frames) rather than adding a browser-automation package.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)


@dataclass
class PageResult:
    """What headless Chromium saw of a page."""

    text: str
    dom: str
    console_errors: list[str] = field(default_factory=list)
    requested_urls: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class DevToolsError(RuntimeError):
    """Chromium did not start, or a DevTools command failed or timed out."""


class _WebSocket:
    """A minimal blocking WebSocket client: text frames out, (fragmented) frames in."""

    def __init__(self, port: int, path: str, timeout: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise DevToolsError("DevTools closed the connection during the handshake")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise DevToolsError(f"WebSocket handshake refused: {head.decode(errors='replace')}")

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])  # FIN, text frame
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack("!H", length)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", length)
        mask = secrets.token_bytes(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            if not chunk:
                raise DevToolsError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            mask = self._read(4) if second & 0x80 else b""
            payload = self._read(length)
            if mask:
                payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
            if opcode == 0x8:
                raise DevToolsError("DevTools closed the WebSocket")
            if opcode == 0x9:  # ping: answer, keep reading
                self.sock.sendall(bytes([0x8A, 0x80]) + b"\0\0\0\0")
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        self.sock.close()


class _Session:
    """DevTools commands to one page (a flattened target session) and the events it sends."""

    def __init__(self, socket_: _WebSocket, timeout: float) -> None:
        self.ws = socket_
        self.timeout = timeout
        self.next_id = 0
        self.session_id: str | None = None
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        command: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session_id is not None:
            command["sessionId"] = self.session_id
        self.ws.send(json.dumps(command))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise DevToolsError(f"{method} failed: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise DevToolsError(f"{method} timed out")


def _devtools_port(
    profile: Path, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> int:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_file.exists():
            lines = port_file.read_text().splitlines()
            if lines and lines[0].isdigit():
                return int(lines[0])
        if process.poll() is not None:
            stderr = log.read_text(errors="replace")
            raise DevToolsError(f"chromium exited with {process.returncode}:\n{stderr[-3000:]}")
        time.sleep(0.05)
    raise DevToolsError(f"chromium wrote no DevToolsActivePort within {timeout} s")


def _console_errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params["args"]]
            errors.append("console: " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            thrown = details.get("exception", {}).get("description", "")
            errors.append(f"exception: {details.get('text', '')} {thrown}".strip())
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"log ({entry.get('source')}): {entry.get('text')}")
    return errors


def open_page(
    chromium: str, url: str, *, width: int = 1280, height: int = 900, timeout: float = 60.0
) -> PageResult:
    """Load `url` in a fresh headless Chromium and report what it rendered and requested."""
    work = Path(tempfile.mkdtemp(prefix="kpikit-chromium-"))
    profile, log = work / "profile", work / "chromium.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            env={**os.environ, "LANG": "en_US.UTF-8"},
            start_new_session=True,  # its own process group: stopped with all its children
        )
    try:
        port = _devtools_port(profile, process, log, timeout)
        browser_path = (profile / "DevToolsActivePort").read_text().splitlines()[1]
        ws = _WebSocket(port, browser_path, timeout)
        try:
            return _load(_Session(ws, timeout), url, width, height)
        finally:
            ws.close()
    finally:
        _stop(process)
        shutil.rmtree(work, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the Chromium we started and the processes it spawned (its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if _group_gone(process.pid, timeout=5):
            return


def _group_gone(group: int, timeout: float) -> bool:
    """Wait until no process of the group is left (the renderers exit after the browser)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _load(session: _Session, url: str, width: int, height: int) -> PageResult:
    target = session.send("Target.createTarget", url="about:blank")
    attached = session.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
    session.session_id = attached["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        session.send(f"{domain}.enable")
    session.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    session.events.clear()
    session.send("Page.navigate", url=url)
    _wait_until_loaded(session, url)
    text = _evaluate(session, "document.body.innerText")
    dom = _evaluate(session, "document.documentElement.outerHTML")
    metrics = session.send("Page.getLayoutMetrics")
    content = metrics.get("cssContentSize") or metrics["contentSize"]
    page_height = int(content["height"]) + 1
    session.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=page_height,
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = session.send(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": width, "height": page_height, "scale": 1},
    )
    requested = [
        event["params"]["request"]["url"]
        for event in session.events
        if event["method"] == "Network.requestWillBeSent"
    ]
    return PageResult(
        text=text,
        dom=dom,
        console_errors=_console_errors(session.events),
        requested_urls=requested,
        screenshot=base64.b64decode(shot["data"]),
    )


def _wait_until_loaded(session: _Session, url: str) -> None:
    """Wait until the page at `url` (not the blank page before it) has finished loading."""
    deadline = time.monotonic() + session.timeout
    while time.monotonic() < deadline:
        if _evaluate(session, "location.href + ' ' + document.readyState") == f"{url} complete":
            return
        time.sleep(0.05)
    raise DevToolsError(f"{url} did not finish loading within {session.timeout} s")


def _evaluate(session: _Session, expression: str) -> str:
    result = session.send("Runtime.evaluate", expression=expression, returnByValue=True)
    if "exceptionDetails" in result:
        raise DevToolsError(f"{expression} threw: {result['exceptionDetails']}")
    return str(result["result"]["value"])
