"""SQL the ORM cannot say (exclusion constraints, triggers), written for each database Machi runs on.

An app names its statements by vendor ({"postgresql": (...), "sqlite": (...)}) and its migration runs
them with `execute_for_vendor`, forward and back.
"""


def execute_for_vendor(schema_editor, statements: dict[str, tuple[str, ...]]) -> None:
    for statement in statements[schema_editor.connection.vendor]:
        schema_editor.execute(statement)
