"""Complaint analysis (issue #14 item 5): is a citizen's text (chat message or CSAT comment) a complaint,
for which reason, about which service. See docs/complaints.md.

    from analytics.complaints import classify, aclassify, Result
    classify(["انتظرت ساعة وما أحد رد"])[0].reason  # "long_wait"
"""

from analytics.complaints.classifier import ComplaintClassifier, aclassify, classify, load_classifier
from analytics.complaints.labels import REASONS, ComplaintModelError, ModelMismatchError, Result

__all__ = ["REASONS", "ComplaintClassifier", "ComplaintModelError", "ModelMismatchError", "Result", "aclassify",
           "classify", "load_classifier"]
