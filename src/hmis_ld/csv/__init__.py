"""HMIS CSV FY2026 import and export."""
