from django.apps import AppConfig


class DispatchConfig(AppConfig):
    """``ready`` listens to the trading desk's ``awards_received`` signal (sent on commit once a
    submission's awards are stored) and queues their dispatch; the task is idempotent."""

    name = "dispatch"
    label = "dispatch"
    verbose_name = "Dispatch"

    def ready(self) -> None:
        try:
            from market.trading.bidding import awards_received
        except ImportError:  # the trading desk's bidding module is not in this checkout yet
            return
        awards_received.connect(_queue_dispatch, dispatch_uid="dispatch.queue_awards")


def _queue_dispatch(sender, submission_id: int, **kwargs) -> None:
    from .tasks import dispatch_awards

    dispatch_awards.delay(submission_id)
