"""A Telegram Bot API test double: a real HTTP server on 127.0.0.1 that PTB talks to.

It answers the methods newsbot uses, records every request, validates HTML messages as
Telegram does (allowed tags, nesting, 4096 characters after entity parsing), enforces
Telegram's flood limits (30 messages/s overall, 1/s per chat, 20/min per group: a 429 with
`retry_after` when broken, counted in `violations`) and can be scripted to fail per chat.
Each message keeps its inline keyboard as Telegram does: `editMessageText` without
`reply_markup` removes it (`keyboard()` shows what a chat sees now); `count_edits=True`
counts edits in the per-chat and per-group limits too.
Paid broadcasts (`allow_paid_broadcast`) have their own 1,000 messages/s overall limit.
Forum supergroups have topics (`create_topic`), which can be closed, reopened and deleted:
a message to a closed topic gets `400 Bad Request: TOPIC_CLOSED`, to a deleted one
`400 Bad Request: message thread not found`, as Telegram answers.

    with BotApiDouble() as api:
        settings = Settings(telegram_bot_token=api.token, telegram_api_url=api.url)
        api.push_update(api.command(chat_id=5, text="/subscribe oil"))
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TELEGRAM_TAGS = frozenset(
    "b strong i em u ins s strike del a code pre blockquote tg-spoiler span tg-emoji".split()
)
# Form fields PTB sends as raw strings; every other field is JSON-encoded.
_STRING_FIELDS = frozenset(
    "text parse_mode callback_query_id inline_message_id caption description short_description "
    "name language_code url secret_token emoji title custom_title data".split()
)
_COUNTED = frozenset({"sendMessage"})  # what Telegram's message limits apply to


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request the double received."""

    method: str
    params: dict[str, Any]
    at: float
    status: int


@dataclass(frozen=True, slots=True)
class Answer:
    """A scripted error answer for a chat's next sendMessage."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def flood(cls, retry_after: int = 1) -> Answer:
        """429 Too Many Requests."""
        return cls(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    @classmethod
    def blocked(cls) -> Answer:
        """403: the user blocked the bot."""
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def kicked(cls) -> Answer:
        """403: the bot was removed from the group."""
        return cls(403, "Forbidden: bot was kicked from the group chat")

    @classmethod
    def chat_not_found(cls) -> Answer:
        """400: the chat does not exist (any more)."""
        return cls(400, "Bad Request: chat not found")

    @classmethod
    def unauthorized(cls) -> Answer:
        """401: the bot token was revoked."""
        return cls(401, "Unauthorized")

    @classmethod
    def server_error(cls, status: int = 502) -> Answer:
        """5xx."""
        return cls(status, "Bad Gateway" if status == 502 else "Internal Server Error")

    @classmethod
    def migrate(cls, new_chat_id: int) -> Answer:
        """400: the group became a supergroup."""
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    @classmethod
    def bad_request(cls, description: str = "Bad Request: message to reply not found") -> Answer:
        """Any other 400."""
        return cls(400, description)


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.error = self.error or f'unsupported start tag "{tag}"'
        elif tag == "span" and attrs != [("class", "tg-spoiler")]:
            self.error = self.error or "unsupported span"
        elif tag == "a" and not any(name == "href" for name, _ in attrs):
            self.error = self.error or "a without href"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'unmatched end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_entities(text: str) -> tuple[str, str | None]:
    """The text left after Telegram's HTML parsing, and the parse error if any."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    error = parser.error or (
        f'can\'t find end tag for "{parser.stack[-1]}"' if parser.stack else None
    )
    return "".join(parser.text), error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a sender opens many connections at once

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):  # clients hang up on long polls: normal
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class BotApiDouble:
    """The Bot API on 127.0.0.1 (port chosen by the OS), one token, in-memory chats."""

    def __init__(
        self,
        token: str = "123456789:TEST-double-token_ABCdef",
        *,
        enforce_limits: bool = True,
        overall_per_second: int = 30,
        group_per_minute: int = 20,
        chat_interval: float = 1.0,
        latency: float = 0.0,
        paid_per_second: int = 1000,
        count_edits: bool = False,
    ) -> None:
        """`count_edits`: editMessageText counts against the limits as a message does (a
        group's 20 a minute are messages and edits together)."""
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = "newsbot_double_bot"
        self.enforce_limits = enforce_limits
        self.overall_per_second = overall_per_second
        self.group_per_minute = group_per_minute
        self.chat_interval = chat_interval
        self.latency = latency
        self.paid_per_second = paid_per_second
        self.count_edits = count_edits
        self.paid_messages = 0  # accepted with allow_paid_broadcast
        self.requests: list[ApiRequest] = []
        self.violations = 0
        self.broken_limits: list[str] = []  # which limit each violation broke, for messages
        self.commands: list[dict[str, Any]] = []  # the default scope: every user
        self.chat_commands: dict[int, list[dict[str, Any]]] = {}  # per-chat scopes
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._chats: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._script: dict[int, deque[Answer]] = defaultdict(deque)
        self._blocked: dict[int, Answer] = {}
        # editMessageText: each edited message's text, and chats whose messages are too old.
        self._edited: dict[tuple[int, int], str] = {}
        self.uneditable: set[int] = set()
        # Each message's inline keyboard now, as its chat sees it (absent: no keyboard).
        self._keyboards: dict[tuple[int, int], Any] = {}
        self._overall: deque[float] = deque()
        self._paid: deque[float] = deque()
        # Forum topics: chat -> thread -> open | closed | deleted.
        self._topics: dict[int, dict[int, str]] = defaultdict(dict)
        self._thread_ids = itertools.count(2)  # thread 1 is General in Telegram's forums
        self._chat_last: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = defaultdict(deque)
        self._closing = False
        self._revoked = False  # revoke_token(): every call answers 401 from then on
        # setWebhook: updates are POSTed there (with the secret header), not kept for getUpdates.
        self.webhook: dict[str, Any] | None = None
        self.webhook_answers: list[int] = []
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base address, as NEWSBOT_TELEGRAM_API_URL takes it."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BotApiDouble:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; long polls in progress return at once."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> BotApiDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the test sets up ----------------------------------------------------------------

    def fail(self, chat_id: int, *answers: Answer) -> None:
        """Answer the chat's next sendMessage calls with these errors, in order."""
        with self._lock:
            self._script[chat_id].extend(answers)

    def revoke_token(self) -> None:
        """The token is revoked (BotFather): every call answers 401, long polls at once."""
        with self._lock:
            self._revoked = True
            self._lock.notify_all()

    def block(self, chat_id: int, answer: Answer | None = None) -> None:
        """Refuse every message to the chat from now on (blocked by default)."""
        with self._lock:
            self._blocked[chat_id] = answer or Answer.blocked()

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """A user's status in a chat: creator, administrator, member, restricted, left, kicked."""
        with self._lock:
            self._members[(chat_id, user_id)] = status

    def create_topic(self, chat_id: int, name: str = "Topic") -> int:
        """Create a topic in a forum supergroup (the chat becomes one); returns its thread id."""
        with self._lock:
            thread_id = next(self._thread_ids)
            self._topics[chat_id][thread_id] = "open"
            chat = self._chats.setdefault(chat_id, self.chat(chat_id, "supergroup"))
            chat.update(type="supergroup", is_forum=True)
            return thread_id

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin closes the topic: messages to it get 400 TOPIC_CLOSED."""
        with self._lock:
            self._topics[chat_id][thread_id] = "closed"

    def reopen_topic(self, chat_id: int, thread_id: int) -> dict[str, Any]:
        """An admin reopens the topic; returns the `forum_topic_reopened` service update."""
        with self._lock:
            self._topics[chat_id][thread_id] = "open"
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self.chat(chat_id, "supergroup", forum=True),
                "from": self.user(abs(chat_id)),
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_reopened": {},
            }
        return {"message": message}

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin deletes the topic: messages to it get 400 message thread not found."""
        with self._lock:
            self._topics[chat_id][thread_id] = "deleted"

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            for key in ("message", "channel_post", "my_chat_member"):
                if key in update:
                    self._remember_chat(update[key]["chat"])
            if "callback_query" in update:
                self._remember_chat(update["callback_query"]["message"]["chat"])
            webhook = self.webhook
            if webhook is None:
                self._updates.append(update)
                self._lock.notify_all()
                return update["update_id"]
        threading.Thread(target=self._post_update, args=(webhook, update), daemon=True).start()
        return update["update_id"]

    def _post_update(self, webhook: dict[str, Any], update: dict[str, Any]) -> None:
        """Deliver one update to the webhook as Telegram does, retrying a failed POST."""
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        body = json.dumps(update).encode()
        for attempt in range(20):
            request = urllib.request.Request(webhook["url"], body, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            with self._lock:
                self.webhook_answers.append(status)
            if 200 <= status < 300:
                return
            time.sleep(0.1 * (attempt + 1))

    # -- building real update JSON -----------------------------------------------------------

    @staticmethod
    def chat(
        chat_id: int, chat_type: str | None = None, title: str = "A chat", *, forum: bool = False
    ) -> dict[str, Any]:
        """A Chat object; the type follows the id's sign unless given (a forum: supergroup)."""
        kind = chat_type or ("private" if chat_id > 0 else "supergroup" if forum else "group")
        info: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            info["first_name"] = f"User{chat_id}"
        else:
            info["title"] = title
        if forum:
            info["is_forum"] = True
        return info

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        """A User object for a person."""
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def bot_user(self) -> dict[str, Any]:
        """The bot's own User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Newsbot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def command(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        sender_chat: dict[str, Any] | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A `message` update carrying a command (`/subscribe oil`) from a user in a chat.

        In a forum (a chat with topics), `thread_id` is the topic it was sent in (None: General).
        """
        forum = chat_id in self._topics
        chat = self.chat(chat_id, chat_type, forum=forum)
        message = self._text_message(chat, text)
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
            message["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
        else:
            message["from"] = self.user(user_id if user_id is not None else abs(chat_id))
        return {"message": message}

    def channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        """A `channel_post` update: a command posted in a channel by one of its admins."""
        chat = self.chat(chat_id, "channel", "A channel")
        message = self._text_message(chat, text)
        message["sender_chat"] = chat
        return {"channel_post": message}

    def callback(self, message: dict[str, Any], user_id: int, data: str) -> dict[str, Any]:
        """A `callback_query` update: a user pressed a button under one of the bot's messages."""
        return {
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": self.user(user_id),
                "chat_instance": "double",
                "data": data,
                "message": message,
            }
        }

    def my_chat_member(
        self, chat_id: int, user_id: int, old: str, new: str, *, chat_type: str | None = None
    ) -> dict[str, Any]:
        """A `my_chat_member` update: the bot's status in a chat changed (e.g. to kicked)."""
        return {
            "my_chat_member": {
                "chat": self.chat(chat_id, chat_type),
                "from": self.user(user_id),
                "date": int(time.time()),
                "old_chat_member": self._member_json(self.bot_user(), old),
                "new_chat_member": self._member_json(self.bot_user(), new),
            }
        }

    def _text_message(self, chat: dict[str, Any], text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return message

    # -- what the test reads -------------------------------------------------------------------

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every successful request of a method, in order."""
        with self._lock:
            return [r.params for r in self.requests if r.method == method and r.status == 200]

    def messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Every message accepted by sendMessage (to one chat, when given)."""
        return [
            params
            for params in self.calls("sendMessage")
            if chat_id is None or params.get("chat_id") == chat_id
        ]

    def keyboard(self, chat_id: int, message_id: int) -> Any:
        """The inline keyboard a message shows now (None when it has none)."""
        with self._lock:
            return self._keyboards.get((chat_id, message_id))

    def answers_to(self, chat_id: int) -> list[str]:
        """The texts the bot sent to a chat."""
        return [params["text"] for params in self.messages(chat_id)]

    def count(self, method: str, status: int | None = None) -> int:
        """How many requests of a method got that status (any status when None)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.method == method and (status is None or r.status == status)
            )

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll a condition until it holds or the timeout passes (for sync tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.01)
        return condition()

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a later getUpdates offset."""
        with self._lock:
            return len(self._updates)

    # -- the server -------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                if double._closing:  # stopped: kept-alive connections get hung up on
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = double._handle(
                    self.path, self.headers.get("Content-Type") or "", body
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        if not self._revoked and (len(segments) != 2 or not segments[0].startswith("bot")):
            # Telegram's answer to a path that is no `/bot<token>/<method>` (one too many
            # `/bot`, a prefix where no Bot API is): 404, not a rejected token.
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if self._revoked or segments[0] != f"bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = segments[1]
        params = _decode(parts.query, content_type, body)
        if self.latency:
            time.sleep(self.latency)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            status, payload = handler(params)
        with self._lock:
            self.requests.append(ApiRequest(method, params, time.monotonic(), status))
        return status, payload

    # -- the methods --------------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok(self.bot_user())

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.webhook = None
        return _ok(True)

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = str(params.get("url") or "")
        if not url:
            return self._api_deleteWebhook(params)
        if not url.startswith(("https://", "http://127.0.0.1")):
            return _error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        with self._lock:
            self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        return _ok(True)

    def _api_setMyCommands(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat" and int(scope["chat_id"]) not in self._chats:
            return _error(400, "Bad Request: chat not found")
        with self._lock:
            if scope.get("type") == "chat":
                self.chat_commands[int(scope["chat_id"])] = list(params.get("commands") or [])
            else:
                self.commands = list(params.get("commands") or [])
        return _ok(True)

    def _api_getMyCommands(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            return _ok(self.chat_commands.get(int(scope["chat_id"]), self.commands))
        return _ok(self.commands)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok(True)

    def _api_close(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _ok(True)

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            while True:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closing or self._revoked:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            if self._revoked:
                return _error(401, "Unauthorized")
            return _ok(list(self._updates[:limit]))

    def _api_getChatMember(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        with self._lock:
            status = self._members.get((chat_id, user_id))
            if status is None:
                status = "creator" if chat_id == user_id else "member"
        user = self.bot_user() if user_id == self.bot_id else self.user(user_id)
        return _ok(self._member_json(user, status))

    def _api_getChat(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        with self._lock:
            chat = dict(self._chats.get(chat_id) or self.chat(chat_id))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        )
        return _ok(chat)

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        with self._lock:
            scripted = self._script[chat_id].popleft() if self._script[chat_id] else None
            scripted = scripted or self._blocked.get(chat_id)
        if scripted is not None:
            return _error(scripted.status, scripted.description, scripted.parameters)
        problem = self._check_text(params)
        if problem is not None:
            return problem
        paid = params.get("allow_paid_broadcast") in (True, "true")
        with self._lock:
            refused = self._topic_check(chat_id, params.get("message_thread_id"))
            if refused is not None:
                return _error(400, refused)
            flood = self._flood_check(chat_id, paid=paid) if self.enforce_limits else None
            if flood is not None:
                self.violations += 1
                return _error(
                    429, f"Too Many Requests: retry after {flood}", {"retry_after": flood}
                )
            self._count_send(chat_id, paid=paid)
            message = self._message_json(chat_id, params)
            self._keep_keyboard(chat_id, message)
            return _ok(message)

    def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = self._check_text(params)
        if problem is not None:
            return problem
        chat_id, message_id = int(params["chat_id"]), int(params.get("message_id") or 0)
        with self._lock:
            if chat_id in self.uneditable:
                return _error(400, "Bad Request: message can't be edited")
            markup = _markup(params)
            if (
                self._edited.get((chat_id, message_id)) == params.get("text")
                and self._keyboards.get((chat_id, message_id)) == markup
            ):
                return _error(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            if self.enforce_limits and self.count_edits:
                flood = self._flood_check(chat_id)
                if flood is not None:
                    self.violations += 1
                    return _error(
                        429, f"Too Many Requests: retry after {flood}", {"retry_after": flood}
                    )
                self._count_send(chat_id)
            self._edited[(chat_id, message_id)] = str(params.get("text"))
            message = self._message_json(chat_id, params)
            self._keep_keyboard(chat_id, message)  # no reply_markup: the keyboard is gone
            return _ok(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            chat_id = int(params["chat_id"])
            message = self._message_json(chat_id, {**params, "text": "(kept)"})
            self._keep_keyboard(chat_id, message)
        return _ok(message)

    def _keep_keyboard(self, chat_id: int, message: dict[str, Any]) -> None:
        """Remember the keyboard a message shows after this call (none: forget it)."""
        key = (chat_id, int(message["message_id"]))
        markup = _markup(message)
        if markup:
            self._keyboards[key] = markup
        else:
            self._keyboards.pop(key, None)

    # -- helpers ---------------------------------------------------------------------------

    def _check_text(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        text = str(params.get("text") or "")
        visible, error = text, None
        if str(params.get("parse_mode") or "").upper() == "HTML":
            visible, error = parse_entities(text)
        if error:
            return _error(400, f"Bad Request: can't parse entities: {error}")
        if not visible.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(visible.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        return None

    def _topic_check(self, chat_id: int, thread_id: object) -> str | None:
        """Telegram's refusal of a message to a forum topic, if any."""
        if thread_id in (None, "", 0, 1):  # 1: the General topic
            return None
        state = self._topics.get(chat_id, {}).get(int(str(thread_id)), "deleted")
        if state == "closed":
            return "Bad Request: TOPIC_CLOSED"
        if state == "deleted":
            return "Bad Request: message thread not found"
        return None

    def _flood_check(self, chat_id: int, *, paid: bool = False) -> int | None:
        """Seconds to wait if this message would break a limit, else None."""
        now = time.monotonic()
        window, limit = (
            (self._paid, self.paid_per_second) if paid else (self._overall, self.overall_per_second)
        )
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            self.broken_limits.append(f"overall: {len(window) + 1} in 1s")
            return max(1, math.ceil(window[0] + 1.0 - now))
        last = self._chat_last.get(chat_id)
        if last is not None and now - last < self.chat_interval:
            self.broken_limits.append(f"chat {chat_id}: {now - last:.3f}s after the last")
            return max(1, math.ceil(last + self.chat_interval - now))
        if chat_id < 0:
            sends = self._group_sends[chat_id]
            while sends and sends[0] <= now - 60.0:
                sends.popleft()
            if len(sends) >= self.group_per_minute:
                self.broken_limits.append(f"group {chat_id}: {len(sends) + 1} in 60s")
                return max(1, math.ceil(sends[0] + 60.0 - now))
        return None

    def _count_send(self, chat_id: int, *, paid: bool = False) -> None:
        now = time.monotonic()
        if paid:
            self._paid.append(now)
            self.paid_messages += 1
        else:
            self._overall.append(now)
        self._chat_last[chat_id] = now
        if chat_id < 0:
            self._group_sends[chat_id].append(now)

    def _remember_chat(self, chat: dict[str, Any]) -> None:
        self._chats[int(chat["id"])] = dict(chat)

    def _message_json(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": dict(self._chats.get(chat_id) or self.chat(chat_id)),
            "from": self.bot_user(),
            "text": _visible(params),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("message_thread_id"):
            message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
        return message

    @staticmethod
    def _member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    name: True
                    for name in (
                        "can_be_edited can_manage_chat can_delete_messages can_manage_video_chats "
                        "can_restrict_members can_promote_members can_change_info "
                        "can_invite_users can_post_stories can_edit_stories can_delete_stories "
                        "can_post_messages can_edit_messages can_pin_messages"
                    ).split()
                },
                is_anonymous=False,
            )
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member.update(
                {
                    name: False
                    for name in (
                        "is_member can_send_messages can_send_audios can_send_documents "
                        "can_send_photos can_send_videos can_send_video_notes "
                        "can_send_voice_notes can_send_polls can_send_other_messages "
                        "can_add_web_page_previews can_change_info can_invite_users "
                        "can_pin_messages can_manage_topics"
                    ).split()
                },
                until_date=0,
            )
        return member


def _markup(params: dict[str, Any]) -> Any:
    """A request's reply_markup as an object (PTB sends it JSON-encoded in forms)."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup) if markup else None
    return markup or None


def _visible(params: dict[str, Any]) -> str:
    text = str(params.get("text") or "")
    if str(params.get("parse_mode") or "").upper() == "HTML":
        return parse_entities(text)[0]
    return text


def _decode(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json") and body:
        decoded: dict[str, Any] = json.loads(body)
        return decoded
    raw = dict(parse_qsl(query, keep_blank_values=True))
    if body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRING_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _error(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return status, payload
