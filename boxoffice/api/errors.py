"""The one place where failures become GraphQL errors with `extensions.code`.

- DomainError (boxoffice/errors.py): its message and code, as they are meant for the caller.
- Errors outside any field (syntax, validation, variable values, query limits): BAD_USER_INPUT.
- Anything else: masked as INTERNAL_SERVER_ERROR with a request id, and logged with that id and the traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing
from inspect import isawaitable
from typing import Any, TypeGuard, cast

from graphql import DocumentNode, GraphQLError, get_operation_ast
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import execute as graphql_execute
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionContext as StrawberryContext
from strawberry.types import ExecutionResult, StreamExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from boxoffice.api.input_guard import storable_variables
from boxoffice.api.prepared import PreparedDocuments
from boxoffice.api.public_answers import answer_key
from boxoffice.errors import DomainError
from boxoffice.live.read_cache import PublicReadCache

logger = logging.getLogger("boxoffice.api")

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over WebSocket (graphql-transport-ws) on /graphql, not over HTTP; "
    "send queries and mutations by POST"
)


# What graphql-core says when a value does not fit a type, and where: a variable's path, or an argument.
_VARIABLE_AT = re.compile(r"^Variable '\$\w+' has invalid value at \.([\w.\[\]]+): ", re.DOTALL)
_VARIABLE_WHOLE = re.compile(r"^Variable '\$(\w+)' has invalid value: ", re.DOTALL)
_ARGUMENT = re.compile(r"^Argument '(\w+)' has invalid value", re.DOTALL)
_INT_TOO_BIG = re.compile(r"Int cannot represent non 32-bit signed integer value")
_NOT_INT = re.compile(r"Int cannot represent non-integer value")
_BAD_DATETIME = re.compile(r"cannot represent a DateTime")


def _label(name: str) -> str:
    """`startsAt` -> `Starts at`: a field's name as the forms label it."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
    return words[:1].upper() + words[1:]


def _argument_taking(variable: str, document: str) -> str:
    """The argument a variable is passed to (`quantity: $q` -> `quantity`), else the variable's own name."""
    found = re.search(rf"(\w+)\s*:\s*\${re.escape(variable)}\b", document)
    return found.group(1) if found else variable


def _humane(message: str, document: str = "") -> tuple[str, dict[str, Any]]:
    """A coercion failure phrased for people (the field named as the forms label it), with the field's name
    in `extensions.field` and graphql-core's own words in `extensions.detail`; other messages unchanged."""
    field = None
    if match := _VARIABLE_AT.match(message):
        field = match.group(1).split(".")[-1].split("[")[0]
    elif match := _VARIABLE_WHOLE.match(message):
        field = _argument_taking(match.group(1), document)
    elif match := _ARGUMENT.match(message):
        field = match.group(1)
    if field is None:
        if _INT_TOO_BIG.search(message):
            return "A number is too large: whole numbers up to 2,147,483,647 only", {"detail": message}
        return message, {}
    if _INT_TOO_BIG.search(message):
        return f"{_label(field)} is too large: whole numbers up to 2,147,483,647 only", {
            "field": field,
            "detail": message,
        }
    if _NOT_INT.search(message):
        return f"{_label(field)} must be a whole number", {"field": field, "detail": message}
    if _BAD_DATETIME.search(message):
        return f"{_label(field)} must be a date and time such as 2030-05-01T19:30:00Z", {
            "field": field,
            "detail": message,
        }
    return message, {"field": field}


def _with_code(error: GraphQLError, message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


# What parsing, validating and coercing variables raise; scalars' parsers raise ValueError or TypeError.
_REQUEST_ERROR_CAUSES = (GraphQLError, ValueError, TypeError)


def _is_request_error(error: GraphQLError) -> bool:
    """Raised before any field ran: the request itself is at fault."""
    return error.path is None and (
        error.original_error is None or isinstance(error.original_error, _REQUEST_ERROR_CAUSES)
    )


def shape_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as the caller sees it. Idempotent: a shaped error passes through unchanged."""
    original = error.original_error
    if isinstance(original, DomainError):
        return _with_code(error, original.message, original.code)
    if _is_request_error(error):
        message, extra = _humane(error.message, error.source.body if error.source else "")
        return _with_code(error, message, BAD_USER_INPUT, **extra)
    if original is None and error.extensions and "code" in error.extensions:
        return error
    logger.error(
        "Unexpected error in request %s at %s: %s",
        request_id,
        ".".join(str(part) for part in error.path or []),
        error.message,
        exc_info=original if isinstance(original, BaseException) else None,
    )
    return _with_code(
        error,
        f"Something went wrong on our side; quote request id {request_id} when reporting it",
        INTERNAL_SERVER_ERROR,
        requestId=request_id,
    )


def _coerce(failure: Exception) -> GraphQLError:
    return failure if isinstance(failure, GraphQLError) else GraphQLError(str(failure), original_error=failure)


def _request_id(context: object) -> str:
    return str(getattr(context, "request_id", "unknown"))


class ErrorCodes(SchemaExtension):
    """Shapes the errors of every result: each operation's (queries, mutations), and each result a stream yields
    (subscription events, operations over WebSocket), which the client gets before the operation ends."""

    def _shape(self, result: object) -> None:
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            request_id = _request_id(self.execution_context.context)
            result.errors = [shape_error(error, request_id) for error in result.errors]

    def on_operation(self) -> Iterator[None]:
        yield
        self._shape(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self._shape(result)
        yield


class BoxofficeSchema(Schema):
    def __init__(self, *args: Any, prepared: PreparedDocuments | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Documents that validated once: executed without the extension pipeline (api/prepared.py).
        self.prepared = prepared

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # Only HTTP executes (WebSocket operations go through `stream`). Over HTTP a subscription would run as
        # a query whose root resolver returns a stream: refuse it up front, as the caller's mistake.
        allowed = set(allowed_operation_types or OperationType) - {OperationType.SUBSCRIPTION}
        document = self.prepared.get(query) if self.prepared is not None and query else None
        if query and document is not None:
            operation = get_operation_ast(document, operation_name)
            kind = OperationType(operation.operation.value) if operation is not None else None
            if kind in allowed and storable_variables(variable_values):
                if kind is OperationType.QUERY:
                    return await self._execute_public(
                        query, document, variable_values, context_value, operation_name, operation_extensions
                    )
                return await self._execute_prepared(
                    document, variable_values, context_value, root_value, operation_name, operation_extensions
                )
        try:
            result = await super().execute(
                query,
                variable_values=variable_values,
                context_value=context_value,
                root_value=root_value,
                operation_name=operation_name,
                allowed_operation_types=allowed,
                operation_extensions=operation_extensions,
            )
        except InvalidOperationTypeError as refused:
            if refused.operation_type is not OperationType.SUBSCRIPTION:
                raise
            error = GraphQLError(SUBSCRIPTION_OVER_HTTP, extensions={"code": BAD_USER_INPUT})
            return ExecutionResult(data=None, errors=[error])
        # Some failures end the operation before ErrorCodes sees the result (ParserCache raises syntax
        # errors while extensions are being entered), so shape once more here; shaping is idempotent.
        if result.errors:
            result.errors = [shape_error(error, _request_id(context_value)) for error in result.errors]
        return result

    async def _execute_public(
        self,
        query: str,
        document: DocumentNode,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """A prepared query: a signed-out caller's answer is looked up in the public read cache first, and kept
        there when it proved public (api/public_answers.py)."""
        public_answers = getattr(context_value, "public_answers", None)
        cache: PublicReadCache | None = public_answers() if public_answers is not None else None
        key = answer_key(query, operation_name, variable_values) if cache is not None else None
        if cache is None or key is None:
            return await self._execute_prepared(
                document, variable_values, context_value, None, operation_name, operation_extensions
            )
        kept = cache.answer(key)
        if kept is not None:
            return ExecutionResult(data=kept, errors=None, extensions={})
        started = cache.changes
        result = await self._execute_prepared(
            document, variable_values, context_value, None, operation_name, operation_extensions
        )
        private = getattr(context_value, "read_beyond_public_cache", True)
        if not result.errors and result.data is not None and not private:
            cache.keep_answer(key, started, result.data)
        return result

    async def _execute_prepared(
        self,
        document: DocumentNode,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        root_value: Any | None,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """What `execute` does for a document that validated before, minus the extension pipeline: the same
        graphql-core execution, with FreshCaller's and ErrorCodes' per-request work done inline."""
        forget_user = getattr(context_value, "forget_user", None)
        if forget_user is not None:
            forget_user()
        try:
            outcome = graphql_execute(
                self._schema,
                document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=operation_name,
                is_awaitable=cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable),
                **execution_context_class_kwargs(self.execution_context_class),
                **self._get_custom_context_kwargs(operation_extensions),
            )
            result = await outcome if isawaitable(outcome) else outcome
            data, errors = result.data, result.errors
        except Exception as failure:  # as Strawberry's execute: a failure outside any field is the result's error
            data, errors = None, [_coerce(failure)]
        if errors:
            self._process_errors(errors)
            errors = [shape_error(error, _request_id(context_value)) for error in errors]
        return ExecutionResult(data=data, errors=errors, extensions={})

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> AsyncGenerator[Any, None]:
        # Over WebSocket: a document refused while extensions are entered (a syntax error from ParserCache, a limit)
        # would escape the stream, and the client would only see `complete`. It becomes the operation's error.
        source = await super().stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
            allowed_operation_types=allowed_operation_types,
        )
        return _refusals_as_errors(source, _request_id(context_value))

    def process_errors(self, errors: list[GraphQLError], execution_context: StrawberryContext | None = None) -> None:
        # shape_error logs what is unexpected; expected failures (bad input, FORBIDDEN, ...) are not worth a log line.
        for error in errors:
            if not isinstance(error.original_error, DomainError) and not _is_request_error(error):
                logger.debug("GraphQL error before shaping: %s", error.message)


async def _refusals_as_errors(source: AsyncGenerator[Any, None], request_id: str) -> AsyncGenerator[Any, None]:
    try:
        async with aclosing(source):
            async for result in source:
                yield result
    except GraphQLError as refused:
        yield PreExecutionError(data=None, errors=[shape_error(refused, request_id)])
