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


def family_status(status: str, wait_weeks: int | None = None, replies_here: bool = True, outcome: str | None = None,
                  reader: str = "family") -> str:
    """The status in a sentence: as a family reads it, or (reader "key_worker") as their key worker does."""
    family = reader == "family"
    child = "your child" if family else "the child"
    if status == "sent":
        if replies_here:
            return "Sent. The service has not replied yet."
        return ("Sent by email. The service does not reply on this site: your key worker will tell you when they "
                "hear back." if family else
                "Sent by email. The service does not reply on this site: record their answer here when it comes.")
    if status == "waiting_list":
        expected = f" They expect to see {child} in about {weeks(wait_weeks)}." if wait_weeks else ""
        return f"On the waiting list.{expected}"
    if status == "declined":
        why = (DECLINE_REASONS_FOR_FAMILIES if family else
               {code: text.lower() for code, text in DECLINE_REASONS.items()}).get(outcome or "")
        return f"The service cannot take this referral{': ' + why if why else ''}."
    if status == "closed":
        why = (CLOSE_OUTCOMES_FOR_FAMILIES if family else
               {code: text.lower() for code, text in CLOSE_OUTCOMES.items()}).get(outcome or "")
        return f"Finished{': ' + why if why else ''}."
    return {
        "acknowledged": "The service has received the referral and is looking at it.",
        "information_requested": "The service has asked a question. It needs an answer before they can go on.",
        "accepted": ("Accepted. The service will be in touch about what happens next." if family else
                     "Accepted. The service will contact the family about what happens next."),
        "appointment_offered": "The service has offered an appointment.",
        "withdrawn": "Withdrawn. The service will not act on it.",
    }[status]


def family_next_step(status: str, replies_here: bool = True, reader: str = "family") -> str:
    """What happens next: for a family, or (reader "key_worker") for their key worker."""
    if reader != "family":
        return {
            "sent": ("The service should reply within its target time. If it does not, it is reminded and you are "
                     "told." if replies_here else "Record the service's answer here when it comes."),
            "acknowledged": "The service will decide whether it can help.",
            "information_requested": "Answer the question below, or ask the family to answer it.",
            "accepted": "The service will contact the family about an appointment or its waiting list.",
            "waiting_list": "The service will contact the family when the child reaches the top of the list. Offer "
                            "them the help they can get while they wait.",
            "appointment_offered": "The family can accept the appointment, or ask to rearrange it, here.",
            "closed": "Nothing more happens with this referral.",
            "declined": "Send the referral to another service that may help, without the family telling their "
                        "story again.",
            "withdrawn": "Nothing more happens with this referral.",
        }[status]
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
