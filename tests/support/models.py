from django.db import models

from trm.lib.encrypted import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)


class Secret(models.Model):
    label = models.CharField(max_length=20, blank=True)
    name = EncryptedCharField(max_length=100, blank=True)
    narrative = EncryptedTextField(blank=True)
    born = EncryptedDateField(null=True, blank=True)
    contacts = EncryptedJSONField(null=True, blank=True)

    class Meta:
        app_label = "support"
