"""The path converter of a customer number: what the import may store (customers.csv's
cust_no, a trimmed text of at most 32 characters, no NUL) and nothing else, so that a path
segment no customer can have is a 404 before a view or the database sees it."""

from django.urls import register_converter

from customers.models import Customer


class CustomerNumberConverter:
    # No slash (it ends the segment) and no control character (NUL, which PostgreSQL
    # cannot hold in a text, among them); at most as long as the column.
    regex = rf"[^/\x00-\x1f\x7f]{{1,{Customer._meta.get_field('cust_no').max_length}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CustomerNumberConverter, "cust_no")
