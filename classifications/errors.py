from django.utils.translation import gettext_lazy as _

NODE_NO_NAME = _("%(path)s: the reason needs a name.")
NODE_DUPLICATE_NAME = _("%(path)s: “%(name)s” appears twice at the same level.")
NODE_UNKNOWN = _("%(path)s: reason %(id)s does not belong to this classification.")
NODE_REPEATED = _("%(path)s: reason %(id)s appears more than once in the tree.")
TREE_TOO_DEEP = _("The tree can have at most %(depth)d levels.")
NODES_NOT_A_LIST = _("The reasons must be a list.")
LEAF_REQUIRED = _("Choose an active reason without sub-reasons.")
NODE_NAME_TOO_LONG = _("%(path)s: the name has more than %(limit)d characters.")
NODE_NAME_BAD_CHARACTERS = _("%(path)s: the name has control or invalid characters.")
NODE_BAD_ID = _("%(path)s: the reason id must be a whole number.")
