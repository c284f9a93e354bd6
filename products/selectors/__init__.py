"""Reads of the products app, by topic (applications.py: investor-class applications;
library.py: the product library's pages). Import from the topic module."""
