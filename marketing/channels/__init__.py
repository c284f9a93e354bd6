"""The outbound channels of campaigns as pluggable backends, as Django's e-mail has them:
marketing/channels/base.py says what a backend is and which one each channel uses."""
