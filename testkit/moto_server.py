"""moto's server, as the tests, the demo and the benchmarks run it.

One change to moto, for a race in its threaded server: IAMBackend.get_roles returns a live view
of the roles dict, so two stacks creating roles at the same time (our deploy creates both
solutions' stacks concurrently) can fail one CreateStack with "RuntimeError: dictionary changed
size during iteration" and leave that stack CREATE_IN_PROGRESS for ever. A snapshot of the values
keeps the behaviour and removes the race. Nothing else differs from `moto_server`.
"""

import sys

from moto.iam import models as iam_models


def _roles_snapshot(self):
    return list(self.roles.values())


iam_models.IAMBackend.get_roles = _roles_snapshot

from moto.server import main  # noqa: E402  (after the fix above)

if __name__ == "__main__":
    main(sys.argv[1:])
