"""The phone API's operations, one module per resource. Each API class has its own
InputSerializer / OutputSerializer; its handler validates the input and calls one service or
selector; no business rule lives here."""
