"""The words for a referral's statuses and reasons: short ones for staff, and plain English for families."""

STATUS_NAMES = {
    "sent": "Sent",
    "acknowledged": "Acknowledged",
    "information_requested": "Information requested",
    "accepted": "Accepted",
    "waiting_list": "On the waiting list",
    "appointment_offered": "Appointment offered",
    "closed": "Closed",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}

# GOV.UK tag colours for each status.
STATUS_TAGS = {
    "sent": "govuk-tag--blue", "acknowledged": "govuk-tag--light-blue",
    "information_requested": "govuk-tag--yellow", "accepted": "govuk-tag--green",
    "waiting_list": "govuk-tag--purple", "appointment_offered": "govuk-tag--turquoise",
    "closed": "govuk-tag--grey", "declined": "govuk-tag--red", "withdrawn": "govuk-tag--grey",
}

CLOSE_OUTCOMES = {
    "seen_and_supported": "Seen and supported",
    "no_longer_needed": "No longer needed",
    "could_not_contact": "Could not contact the family",
    "moved_away": "Moved away",
    "other": "Other",
}

DECLINE_REASONS = {
    "not_eligible": "Not eligible",
    "outside_area": "Outside the area",
    "needs_another_service": "Needs another service",
    "not_enough_information": "Not enough information",
    "already_known": "Already known to the service",
    "other": "Other",
}

# Said to families: what the decline means, without codes.
DECLINE_REASONS_FOR_FAMILIES = {
    "not_eligible": "they said your child is not eligible for their service",
    "outside_area": "they do not cover the area where you live",
    "needs_another_service": "they think another service would help your child more",
    "not_enough_information": "they did not have enough information to accept it",
    "already_known": "they say your child is already known to them",
    "other": "they gave another reason",
}

CLOSE_OUTCOMES_FOR_FAMILIES = {
    "seen_and_supported": "your child was seen and supported",
    "no_longer_needed": "the service is no longer needed",
    "could_not_contact": "they could not get in touch with you",
    "moved_away": "you have moved away from their area",
    "other": "they gave another reason",
}


def weeks(count: int) -> str:
    return f"{count} week{'' if count == 1 else 's'}"


def family_status(status: str, wait_weeks: int | None = None, replies_here: bool = True) -> str:
    """The status as a family reads it, in a sentence."""
    if status == "sent":
        return ("Sent by email. The service does not reply on this site: your key worker will tell you when they "
                "hear back." if not replies_here else "Sent. The service has not replied yet.")
    if status == "waiting_list":
        expected = f" They expect to see your child in about {weeks(wait_weeks)}." if wait_weeks else ""
        return f"On the waiting list.{expected}"
    return {
        "acknowledged": "The service has received the referral and is looking at it.",
        "information_requested": "The service has asked a question. It needs an answer before they can go on.",
        "accepted": "Accepted. The service will be in touch about what happens next.",
        "appointment_offered": "The service has offered an appointment.",
        "closed": "Finished.",
        "declined": "The service cannot take this referral.",
        "withdrawn": "Withdrawn. The service will not act on it.",
    }[status]


def family_next_step(status: str, replies_here: bool = True) -> str:
    """What happens next, for a family."""
    return {
        "sent": ("The service should reply within their target time. If they do not, we remind them and tell "
                 "your key worker." if replies_here else
                 "Your key worker will record the service's answer here when it comes."),
        "acknowledged": "The service will decide whether they can help. You do not need to do anything.",
        "information_requested": "Answer the question below, or ask your key worker to answer it.",
        "accepted": "Wait for the service to contact you about an appointment or the waiting list.",
        "waiting_list": "The service will contact you when your child reaches the top of the list. Have a look at "
                        "the help you can get while you wait.",
        "appointment_offered": "Accept the appointment, or ask to rearrange it if the time does not suit you.",
        "closed": "Nothing more happens with this referral. Talk to your key worker if you need more help.",
        "declined": "Your key worker can send the referral to another service that may help, without you "
                    "telling your story again.",
        "withdrawn": "Nothing more happens with this referral.",
    }[status]
